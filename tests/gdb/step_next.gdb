# Step and next through main, into square, and back out; then kill.
set pagination off
set confirm off
break main
continue
next
step
print n
next
print result
finish
info registers pc
kill
