# Perl character classes (\d, \w, \s), standard in RE2 (Go) and OPA.
package main

deny contains sprintf("%v", [x]) if {
	x := regex.match(`^\d+\s\w+$`, "12 ab")
}

warn contains "evaluated" if true
