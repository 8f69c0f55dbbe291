package main

g(x) := x

f(x) := y if {
	y := g(x + 1) with g as f
}

deny contains msg if {
	f(1) > 0
	msg := "never"
}
