-- KPI 2: countries by revenue (the notebook prints the top 3; the
-- dashboard charts the top 10).
SELECT pays, sum(montant_final) AS revenue
FROM silver.master_ventes
GROUP BY pays
ORDER BY revenue DESC
LIMIT 10
