# `with input as`: a rule evaluated against another input.
package main

big if input.spec.replicas > 2

deny_with_input contains "a replaced input is big" if big with input as {"spec": {"replicas": 10}}

deny_plain contains "big" if big
