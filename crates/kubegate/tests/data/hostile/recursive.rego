package main

f(x) := y if {
	y := f(x + 1)
}

deny contains msg if {
	f(1) > 0
	msg := "never"
}
