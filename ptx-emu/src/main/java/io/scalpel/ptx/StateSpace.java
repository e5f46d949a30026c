package io.scalpel.ptx;

/** PTX state spaces an access can name; GENERIC is an address that the window it falls in resolves. */
enum StateSpace { GENERIC, GLOBAL, SHARED, LOCAL, PARAM }
