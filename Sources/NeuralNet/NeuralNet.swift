// The NeuralNet module. (Being built; see the issues.)
