# Builtins Kubernetes policies use, with values at their edges.
package main

deny_arithmetic contains sprintf("%v %v %v %v %v %v", [7 / 2, 7 % 3, -7 % 3, round(2.5), round(-2.5), abs(-3)])

deny_big_integers contains sprintf("%v %v", [9007199254740993, 100000000000000000000000 * 10])

deny_equality contains sprintf("%v %v %v", [1 == 1.0, {1, 2} == {2, 1}, 1.0e2 == 100])

deny_ordering contains sprintf("%v %v %v %v", [[1, 2] < [1, 3], "a" < 1, null < false, sort([3, "a", 1, null, true])])

deny_units contains sprintf("%v %v %v %v %v", [units.parse_bytes("1Ki"), units.parse_bytes("1KB"), units.parse_bytes("1.5Gi"), units.parse("100m"), units.parse("2k")])

deny_strings contains sprintf("%v|%v|%v|%v|%v|%v|%v", [split("a,b,,c", ","), concat("-", {"b", "a"}), substring("hello", 1, -1), substring("héllo", 1, 2), indexof("héllo", "l"), count("héllo"), trim_left("xxaxx", "x")])

deny_replace contains sprintf("%v %v %v", [replace("aaa", "a", "b"), strings.replace_n({"a": "1", "b": "2"}, "ab"), regex.replace("abc", "b", "$0$0")])

deny_regex contains sprintf("%v %v %v %v", [regex.match("^a+$", "aaa"), regex.find_n("a.", "abacad", 2), regex.split("[0-9]", "a1b2c"), glob.match("*.io", ["."], "ghcr.io")])

deny_json contains sprintf("%v %v", [json.unmarshal("{\"a\": 1}"), json.marshal({"b": 1, "a": [1, 2.5]})])

deny_encodings contains sprintf("%v %v %v", [base64.decode("aGk="), base64.encode("hi"), urlquery.encode("a b&c")])

deny_semver contains sprintf("%v %v", [semver.compare("1.2.3", "1.10.0"), semver.is_valid("1.2.3")])

deny_net contains sprintf("%v", [net.cidr_contains("10.0.0.0/8", "10.1.2.3")])

deny_time contains sprintf("%v %v", [time.parse_rfc3339_ns("2024-01-01T00:00:00Z"), time.parse_duration_ns("1h30m")])

deny_objects contains sprintf("%v %v %v %v", [object.union({"a": 1, "b": {"c": 1}}, {"b": {"d": 2}}), object.remove({"a": 1, "b": 2}, ["a"]), object.filter({"a": 1, "b": 2}, {"a"}), object.keys({"a": 1})])

deny_arrays contains sprintf("%v %v %v", [array.concat([1], [2]), array.slice([1, 2, 3], 1, 10), array.reverse([1, 2])])

deny_sets contains sprintf("%v %v %v %v", [union({{1}, {2}}), intersection({{1, 2}, {2, 3}}), {1, 2, 3} - {2}, {1, 2} | {3}])

deny_aggregates contains sprintf("%v %v %v %v", [sum([1, 2.5]), product([]), min([2, 1]), count({"a": 1})])

deny_json_patch contains sprintf("%v", [json.patch({"a": 1}, [{"op": "add", "path": "/b", "value": 2}])])

deny_number_text contains sprintf("%v %v %v", [to_number("1e3"), 2e2, 1e21])

deny_decimal contains sprintf("%v", [0.1 + 0.2])

deny_case_mapping contains sprintf("%v %v", [upper("straße"), lower("İ")])

deny_yaml_11 contains sprintf("%v", [yaml.unmarshal("a: yes\nb: 010\n")])

deny_semver_v contains sprintf("%v", [semver.is_valid("v1.2.3")])

deny_walk contains sprintf("%v", [w]) if {
	input.kind == "Service"
	w := walk({"a": [1]})
}
