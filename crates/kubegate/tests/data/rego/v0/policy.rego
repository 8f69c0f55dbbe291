package main

deny[msg] {
	input.kind == "Service"
	msg := "v0 says no"
}
