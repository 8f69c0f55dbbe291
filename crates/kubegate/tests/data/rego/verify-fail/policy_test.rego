package main

test_one_replica_denied if {
	deny["one replica"] with input as {"spec": {"replicas": 1}}
}

test_two_replicas_denied if {
	deny["one replica"] with input as {"spec": {"replicas": 2}}
}

test_undefined_thing if {
	data.main.nothing
}
