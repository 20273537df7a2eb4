print("receptorctl")
