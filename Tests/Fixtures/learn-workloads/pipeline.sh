# A shell pipeline with tar and gzip over the directory given.
cd "$1"
mkdir -p data
printf 'alpha\n' > data/a.txt
i=0; while [ $i -lt 1000 ]; do echo beta; i=$((i+1)); done > data/b.txt
tar cf - data | gzip -c | gzip -dc | tar tvf - | awk '{print $6}' | sort
