print("pkg/sub/__init__.py ran")
