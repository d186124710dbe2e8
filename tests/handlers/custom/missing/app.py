print("no bootstrap here")
