// The Imaging module. (Being built; see the issues.)
