"""A unit's reports read, validated and checked: data, narrative (Markdown), 勾稽关系, 汇总."""
