package main

# Every bounded builtin, within the budget: the results regorus' own builtins give.
deny contains msg if {
	parts := [
		concat("-", ["a", "b", input.kind]),
		replace("banana", "an", "AN"),
		strings.replace_n({"a": "1", "n": "22"}, "banana"),
		regex.replace("k8s-app", "[0-9]", "_$0_"),
		sprintf("%05d|%-4s|%.2f", [42, "ab", 3.14159]),
		hex.encode("hi"),
		base64.encode("hi"),
		base64url.encode_no_pad("hi?"),
		urlquery.encode("a b&c"),
		json.marshal({"k": [1, "x"]}),
		format_int(255, 16),
		sprintf("%d", [to_number("12345678901234567890")]),
		sprintf("%v", [split("a,b,,c", ",")]),
		sprintf("%v", [array.concat([1], [2, 3])]),
		sprintf("%v", [net.cidr_expand("192.168.1.0/30")]),
		sprintf("%d", [bits.lsh(1, 100)]),
		sprintf("%v", [numbers.range(3, 1)]),
	]
	msg := concat(" ", parts)
}
