# Sourced by the scripts that print figures (bash):
#   commas    a filter: every number of its input with thousands separated (60000 -> 60,000)
commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
