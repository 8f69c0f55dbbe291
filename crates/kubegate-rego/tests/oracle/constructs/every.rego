# `every` over arrays, empty and missing domains, objects.
package main

deny_all_images contains "every container has an image" if {
	is_array(input.spec.containers)
	every c in input.spec.containers {
		c.image
	}
}

deny_empty contains "every over an empty array" if {
	every x in [] {
		x > 1
	}
}

deny_missing contains "every over a missing field" if {
	every x in input.spec.nothing {
		x > 1
	}
}

deny_object contains "every value of data is a string" if {
	input.kind == "ConfigMap"
	every k, v in input.data {
		is_string(v)
		is_string(k)
	}
}

deny_not_every contains "not every label is web" if {
	not all_web
}

all_web if {
	every _, v in object.get(input.metadata, "labels", {}) {
		v == "web"
	}
}
