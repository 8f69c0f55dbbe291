# Too few arguments for the format.
package main

deny contains sprintf("%s and %s", ["one"])

warn contains "evaluated" if true
