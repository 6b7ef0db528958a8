# posix: rules added by the work on this area.
