package main

# Complete rules (`:=`), which Conftest queries like the others: a value for a
# Deployment, undefined for anything else.
deny := ["deployments are frozen this week"] if input.kind == "Deployment"

# A value that is not a collection: one passed test.
warn_note := "not a list of messages"

# A set rule beside them.
warn_service contains "services are reviewed by the network team" if input.kind == "Service"
