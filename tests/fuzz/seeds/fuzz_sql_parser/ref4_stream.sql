SELECT pays, sum(montant) AS total_ventes_live, count(*) AS nb_transactions
FROM ventes GROUP BY pays ORDER BY total_ventes_live DESC;
