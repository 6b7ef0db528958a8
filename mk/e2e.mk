# e2e: rules added by the work on this area.
