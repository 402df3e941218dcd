"""The store's PostgreSQL search statements (capped count, then first page) timed with psql,
before and after H-pg. Usage:
  python3 search_sql.py DB VARIANT ROLE USER_ID queries.txt [PRE_SQL] [top]
VARIANT: old (compartment condition with `+`, page ordered by id), mix (as now: plain
column; page ordered by `i.id + 0` when every match was counted), noplus;
ROLE: view (public text), doc (public text or a stand-in blind-index token matching
nothing), raw (the harness's engine baseline). See docs/performance.md."""
import subprocess, sys, re, hashlib
db, variant, role, uid = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
qs=[l.split() for l in open(sys.argv[5]).read().splitlines() if l.strip()]
vis=f"{'' if variant in ('noplus','mix') else '+'}i.compartment_id IN (SELECT cm.compartment_id FROM compartment_members cm WHERE cm.user_id = {uid} AND cm.level = 'full')"
sees=f"NOT EXISTS (SELECT 1 FROM compartments c WHERE c.id NOT IN (SELECT cm.compartment_id FROM compartment_members cm WHERE cm.user_id = {uid} AND cm.level = 'full') AND EXISTS (SELECT 1 FROM incidents x WHERE x.compartment_id = c.id))"
def fts(words):
    if role=='doc':
        e=" & ".join(f"(''{w}'' | ''#{hashlib.md5(w.encode()).hexdigest()}'')" for w in words)
        return f"(i.search_public || i.search_sensitive) @@ '{e}'::tsquery"
    if role=='raw':
        return f"search_public @@ to_tsquery('simple', '{' & '.join(words)}')"
    return f"i.search_public @@ to_tsquery('simple', '{' & '.join(words)}')"
def counts():
    L=[]
    for w in qs:
        L.append(f"SELECT count(*) FROM (SELECT 1 FROM incidents i WHERE {fts(w)} LIMIT 1051) AS c;")
    o=subprocess.run(["psql","-h","127.0.0.1","-U","postgres","-d",db,"-At"],input="\n".join(L),capture_output=True,text=True).stdout.split()
    return [int(x) for x in o]
CN = counts() if variant=='mix' else None
pre = sys.argv[6] if len(sys.argv)>6 else ""
lines=["\\timing on", pre]
for w in qs:
    f=fts(w)
    if role=='raw':
        lines.append(f"SELECT count(*) FROM (SELECT 1 FROM incidents WHERE {f} LIMIT 1051) AS c;")
        lines.append(f"SELECT id FROM incidents WHERE {f} ORDER BY id DESC LIMIT 50;")
        continue
    wh=f"{vis} AND {f}"
    if variant in ('old','noplus','mix'):
        lines.append(f"SELECT count(*) FROM (SELECT 1 FROM incidents i WHERE {wh} LIMIT 1051) AS c;")
    else:
        lines.append(f"SELECT CASE WHEN {sees} THEN (SELECT count(*) FROM (SELECT 1 FROM incidents i WHERE 1=1 AND {f} LIMIT 1051) AS c) ELSE (SELECT count(*) FROM (SELECT 1 FROM incidents i WHERE {wh} LIMIT 1051) AS c) END;")
    order = "i.id DESC"
    if variant=='mix' and CN[len(lines)//2-1] <= 1050: order = "i.id + 0 DESC"
    lines.append(f"SELECT i.id, i.title, i.start_date, i.start_precision, i.country, i.region, i.status FROM incidents i WHERE {wh} ORDER BY {order} LIMIT 50 OFFSET 0;")
out=subprocess.run(["psql","-h","127.0.0.1","-U","postgres","-d",db,"-q","-o","/dev/null"],input="\n".join(lines),capture_output=True,text=True)
ts=[float(x) for x in re.findall(r"Time: ([0-9.]+) ms", out.stdout)]; ts=ts[len(ts)-2*len(qs):]
if len(ts)!=2*len(qs): print("ERR", len(ts), out.stderr[:500]); sys.exit(1)
per=sorted(ts[i]+ts[i+1] for i in range(0,len(ts),2))
cnt=sorted(ts[0::2]); pg=sorted(ts[1::2])
p=lambda a,q: a[min(len(a)-1,int(q*len(a)))]
if len(sys.argv)>7:
    per2=sorted(((ts[i],ts[i+1]),qs[i//2]) for i in range(0,len(ts),2))
    for x in sorted(per2,key=lambda t:-(t[0][0]+t[0][1]))[:8]: print(x)
print(f"{variant:4} {role:4} search p50 {p(per,.5):.2f} p95 {p(per,.95):.2f} p99 {p(per,.99):.2f} | count p95 {p(cnt,.95):.2f} page p95 {p(pg,.95):.2f}")
