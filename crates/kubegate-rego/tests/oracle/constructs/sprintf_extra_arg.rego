# sprintf("%s", ["a", "b"])
package main

deny contains sprintf("%s", ["a", "b"])

warn contains "evaluated" if true
