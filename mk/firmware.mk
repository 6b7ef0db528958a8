# firmware: rules added by the work on this area.
