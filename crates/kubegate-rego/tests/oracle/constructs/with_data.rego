# `with data.… as`: replacing a data path that no data file defines.
package main

limit := data.limits.replicas if data.limits.replicas

limit := 2 if not data.limits.replicas

big if input.spec.replicas > limit

deny_plain contains "big" if big

deny_with_data contains "big with a limit of 1" if {
	big with data.limits.replicas as 1
}
