# `with` replacing a builtin function.
package main

fake_count(_) := 42

deny contains sprintf("count %v", [n]) if {
	input.kind == "Pod"
	n := count([1]) with count as fake_count
}

warn contains "evaluated" if true
