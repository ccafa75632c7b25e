# Break at a function and print its argument over several hits; watch a
# global until it is written; continue to the exit.
set pagination off
set confirm off
break square
commands
silent
printf "square(%d)\n", n
continue
end
watch counter
continue
print counter
delete
monitor time
continue
