enum _WorkUnitsPlaceholder {}
