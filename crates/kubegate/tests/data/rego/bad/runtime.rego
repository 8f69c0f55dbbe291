package main

replicas = 1 if input.kind == "Deployment"

replicas = 2 if input.kind == "Deployment"

deny contains "conflict" if replicas > 0
