package main

deny contains msg if {
	resp := http.send({"method": "get", "url": "http://169.254.169.254/latest/meta-data"})
	msg := resp.body
}
