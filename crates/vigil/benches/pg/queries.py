"""Search queries as the harness (core.rs) makes them: one or two whole words from random
incidents' titles, one in ten matching nothing. Usage: python3 queries.py DB > queries.txt
(DB: a PostgreSQL database on 127.0.0.1 as user postgres). See docs/performance.md."""
import random, re, subprocess, sys, hashlib, unicodedata
db = sys.argv[1]
random.seed(7)
mx = int(subprocess.check_output(["psql","-h","127.0.0.1","-U","postgres","-d",db,"-Atc","select max(id) from incidents"]).strip())
ids = [str(random.randint(1,mx)) for _ in range(600)]
titles = subprocess.check_output(["psql","-h","127.0.0.1","-U","postgres","-d",db,"-Atc","select title from incidents where id in (%s)" % ",".join(ids)]).decode().splitlines()
def fold(w):
    return ''.join(c for c in unicodedata.normalize('NFD', w.lower()) if unicodedata.category(c) != 'Mn')
out=[]
i=0
for t in (titles*3):
    if len(out)>=300: break
    words=[w for w in re.split(r'[^\w]+', t) if len(w)>2 and not w.isdigit()]
    if not words: continue
    a=random.choice(words)
    k=i%10; i+=1
    if k==0: q=["qzxjvk","nomatch"]
    elif k<=5: q=[a]
    else: q=[a, random.choice(words)]
    q=[fold(w) for w in q]
    out.append(q)
for q in out:
    print(" ".join(q))
