# numbers.range with a non-integer bound.
package main

deny contains sprintf("%v", [x]) if {
	x := numbers.range(1.5, 3)
}

warn contains "evaluated" if true
