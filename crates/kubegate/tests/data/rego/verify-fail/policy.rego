package main

deny contains "one replica" if input.spec.replicas < 2
