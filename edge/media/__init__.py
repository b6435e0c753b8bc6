"""Media I/O: video files, MP4 metadata, native libraries' stderr."""
