package kubernetes.third

warn contains "third warns" if input.kind == "Service"
