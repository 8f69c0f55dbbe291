# crypto.sha256.
package main

deny contains sprintf("%v", [x]) if {
	x := crypto.sha256("a")
}

warn contains "evaluated" if true
