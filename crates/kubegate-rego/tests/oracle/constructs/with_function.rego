# `with` replacing a function by another.
package main

double(x) := x * 2

triple(x) := x * 3

deny contains sprintf("doubled %v", [n]) if {
	input.kind == "Pod"
	n := double(2) with double as triple
}

warn contains "evaluated" if true
