package main

deny contains msg if {
	msg := sprintf("%s '%s' is checked", [input.kind, input.metadata.name])
}
