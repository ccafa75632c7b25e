# Read and access watchpoints; simulated time stands still while stopped;
# detach lets the firmware run to its exit.
set pagination off
set confirm off
rwatch limit
continue
delete
awatch counter
continue
delete
python t1 = gdb.execute("monitor time", to_string=True)
python t2 = gdb.execute("monitor time", to_string=True)
python print("time frozen" if t1 == t2 and "simulated time" in t1 else "time moved: " + t1 + t2)
detach
