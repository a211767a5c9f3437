// The FaceEmbedding module. (Being built; see the issues.)
