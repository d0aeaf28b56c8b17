"""STS as the edge implements it: sessions on the virtual clock with their session policies."""
