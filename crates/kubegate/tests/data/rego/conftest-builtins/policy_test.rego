package main

test_two_files_combined if {
	count(violation) == 1 with input as parse_combined_config_files(["deployment.yaml", "service.yaml"])
}

test_one_file_of_two_documents if {
	count(violation) == 1 with input as parse_combined_config_files(["both.yaml"])
}

test_the_combined_shape if {
	parse_combined_config_files(["service.yaml", "both.yaml"]) == [
		{"path": "both.yaml", "contents": parse_config_file("deployment.yaml")},
		{"path": "both.yaml", "contents": parse_config_file("service.yaml")},
		{"path": "service.yaml", "contents": parse_config_file("service.yaml")},
	]
}

test_parse_config_yaml_and_json if {
	parse_config("yaml", "a: [1, yes]") == {"a": [1, true]}
	parse_config("json", "{\"a\": 1}") == {"a": 1}
	count(parse_config_file("both.yaml")) == 2
}

test_a_matching_service_passes if {
	count(violation) == 0 with input as [
		{"path": "d.yaml", "contents": {"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"app": "x"}}}}},
		{"path": "s.yaml", "contents": {"kind": "Service", "metadata": {"name": "s"}, "spec": {"selector": {"app": "x"}}}},
	]
}
