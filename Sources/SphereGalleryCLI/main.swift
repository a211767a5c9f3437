print("sphere-gallery")
