package other

deny contains "other says no" if input.kind == "Deployment"
