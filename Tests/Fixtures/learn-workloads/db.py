# SQLite: a database file in the directory given, 500 rows written and read back.
import sqlite3, os, sys
path = os.path.join(sys.argv[1], "db.sqlite")
if os.path.exists(path):
    os.remove(path)
db = sqlite3.connect(path)
db.execute("create table t (k integer primary key, v text)")
db.executemany("insert into t (v) values (?)", [("row %d" % i,) for i in range(500)])
db.commit()
print(db.execute("select count(*), min(v), max(v) from t").fetchone())
db.close()
