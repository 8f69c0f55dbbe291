package main

g(x) := x

f(x) := g(x + 1)

deny contains msg if {
	f(1) > 0 with g as f
	msg := "never"
}
