/* cxxlib.h: the C interface of cxxlib.cc (tests only). */
#ifndef CXXLIB_H
#define CXXLIB_H
void cxxlib_new_objects(int n);
void cxxlib_new_delete(int n);
void cxxlib_vector(int n);
int cxxlib_throw_catch(int n);
#endif
