# `with input.spec.replicas as`: replacing a path inside the input.
package main

big if input.spec.replicas > 2

deny contains "a replaced spec.replicas is big" if big with input.spec.replicas as 5

warn contains "evaluated" if true
