#!/usr/bin/env python3
"""test/server/goals_odbc.py - read a binding's BI views through unixODBC and the
PostgreSQL ODBC driver (psqlODBC), as Excel and Power BI do, and report the
SQL type of every column and the values of one row.

Usage: goals_odbc.py CONNECTION-STRING QUERY
Prints one line per column, "name<TAB>sql_type_code<TAB>value", for the
first row of the query (value read with SQLGetData as text).  Uses only
ctypes and libodbc, no Python ODBC package.
"""
import ctypes
import sys

SQL_HANDLE_ENV, SQL_HANDLE_DBC, SQL_HANDLE_STMT = 1, 2, 3
SQL_ATTR_ODBC_VERSION, SQL_OV_ODBC3 = 200, 3
SQL_NTS = -3
SQL_DRIVER_NOPROMPT = 0
SQL_C_CHAR = 1
SQL_NULL_DATA = -1
SQL_NO_DATA = 100

odbc = ctypes.CDLL("libodbc.so.2")
handle = ctypes.c_void_p


def check(rc, kind, h, what):
    """Raise with the driver's diagnostics when a call failed."""
    if rc in (0, 1):        # SQL_SUCCESS, SQL_SUCCESS_WITH_INFO
        return
    state = ctypes.create_string_buffer(6)
    native = ctypes.c_int()
    msg = ctypes.create_string_buffer(1024)
    mlen = ctypes.c_short()
    odbc.SQLGetDiagRec(kind, h, 1, state, ctypes.byref(native), msg, 1024, ctypes.byref(mlen))
    raise SystemExit("%s failed (%d): %s %s" % (what, rc, state.value.decode(), msg.value.decode()))


def main():
    conn_str, query = sys.argv[1].encode(), sys.argv[2].encode()
    env, dbc, stmt = handle(), handle(), handle()
    check(odbc.SQLAllocHandle(SQL_HANDLE_ENV, None, ctypes.byref(env)), SQL_HANDLE_ENV, env, "SQLAllocHandle(env)")
    odbc.SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, ctypes.c_void_p(SQL_OV_ODBC3), 0)
    check(odbc.SQLAllocHandle(SQL_HANDLE_DBC, env, ctypes.byref(dbc)), SQL_HANDLE_ENV, env, "SQLAllocHandle(dbc)")
    out = ctypes.create_string_buffer(1024)
    olen = ctypes.c_short()
    check(odbc.SQLDriverConnect(dbc, None, conn_str, SQL_NTS, out, 1024, ctypes.byref(olen), SQL_DRIVER_NOPROMPT),
          SQL_HANDLE_DBC, dbc, "SQLDriverConnect")
    check(odbc.SQLAllocHandle(SQL_HANDLE_STMT, dbc, ctypes.byref(stmt)), SQL_HANDLE_DBC, dbc, "SQLAllocHandle(stmt)")
    check(odbc.SQLExecDirect(stmt, query, SQL_NTS), SQL_HANDLE_STMT, stmt, "SQLExecDirect")
    ncols = ctypes.c_short()
    check(odbc.SQLNumResultCols(stmt, ctypes.byref(ncols)), SQL_HANDLE_STMT, stmt, "SQLNumResultCols")
    columns = []
    for i in range(1, ncols.value + 1):
        name = ctypes.create_string_buffer(256)
        nlen, dtype, digits, nullable = ctypes.c_short(), ctypes.c_short(), ctypes.c_short(), ctypes.c_short()
        size = ctypes.c_ulong()
        check(odbc.SQLDescribeCol(stmt, i, name, 256, ctypes.byref(nlen), ctypes.byref(dtype), ctypes.byref(size),
                                  ctypes.byref(digits), ctypes.byref(nullable)), SQL_HANDLE_STMT, stmt, "SQLDescribeCol")
        columns.append((name.value.decode(), dtype.value))
    rc = odbc.SQLFetch(stmt)
    if rc == SQL_NO_DATA:
        raise SystemExit("no rows")
    check(rc, SQL_HANDLE_STMT, stmt, "SQLFetch")
    for i, (name, dtype) in enumerate(columns, start=1):
        buf = ctypes.create_string_buffer(4096)
        ind = ctypes.c_long()
        check(odbc.SQLGetData(stmt, i, SQL_C_CHAR, buf, 4096, ctypes.byref(ind)), SQL_HANDLE_STMT, stmt, "SQLGetData")
        value = "NULL" if ind.value == SQL_NULL_DATA else buf.value.decode()
        print("%s\t%d\t%s" % (name, dtype, value))
    odbc.SQLFreeHandle(SQL_HANDLE_STMT, stmt)
    odbc.SQLDisconnect(dbc)
    odbc.SQLFreeHandle(SQL_HANDLE_DBC, dbc)
    odbc.SQLFreeHandle(SQL_HANDLE_ENV, env)


if __name__ == "__main__":
    main()
