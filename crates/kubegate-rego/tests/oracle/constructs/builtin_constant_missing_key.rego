# A constant object indexed by a key it does not have.
package main

deny contains sprintf("%v", [x]) if {
	x := {"a": 1}["b"]
}

warn contains "evaluated" if true
