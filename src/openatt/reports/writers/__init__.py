"""Writers: each turns computed figures into the bytes of one file format."""
