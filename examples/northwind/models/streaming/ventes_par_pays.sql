-- Phase 3: live sales by country from the Kafka topic ventes-temps-reel.
SELECT pays, sum(montant) AS total_ventes_live, count(*) AS nb_transactions
FROM ventes
GROUP BY pays
